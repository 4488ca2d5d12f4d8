"""Virtual-clock simulations: the simulator, an import strategy and a shop on one clock, then an audit.

Public surface: `run_simulation(scenario, SimulationOptions(...)) -> SimulationReport` (runner),
`expected_orders` (truth), `predict_legacy` (what the seed's design imports), `HARD_CASES` (scenarios),
`register_shop` (more shops for `--shop`).
"""
