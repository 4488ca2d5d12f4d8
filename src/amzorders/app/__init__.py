"""The edges a person touches: CLI, configuration, web service, scheduler."""
