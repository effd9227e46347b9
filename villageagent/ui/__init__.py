"""The desktop app: all PySide6 code lives under this package."""
