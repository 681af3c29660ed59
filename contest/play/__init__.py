"""Playing a round: attempts, server-owned time, scoring and the pupil's pages."""
