"""Pupils' personal data: the export and deletion a teacher runs, the retention purge, the privacy page."""
