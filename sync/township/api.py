"""The sync API (filled in below)."""
urlpatterns: list = []
