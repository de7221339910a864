"""Doctoral cooperation: advisers, PhD topics, candidates, recommendations, matching."""
