"""Gamification that teaches: practice mode, and the pupil's progress (XP, levels, badges, bests, streak)."""
