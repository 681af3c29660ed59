"""Live hosted games: a hall plays one question at a time from their phones (docs/live-games.md)."""
