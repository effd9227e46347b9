"""The console's views, one module per page group; every view is wrapped by ``access``."""
