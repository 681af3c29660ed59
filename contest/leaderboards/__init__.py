"""Leaderboards: Redis sorted sets derived from the attempts, live pages, freeze and reveal."""
