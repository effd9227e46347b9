"""VillageAgent (村代办): the village cadre's errand book."""

__version__ = "0.1.0"
