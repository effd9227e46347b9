"""Qt screens of the desktop app."""
