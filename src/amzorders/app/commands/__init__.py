"""The operator's commands (`amzorders init|import|reconcile|status|orders|serve|demo`)."""
