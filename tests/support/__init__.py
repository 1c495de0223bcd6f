"""Helpers shared by every tier of tests: factories, harnesses, the infrastructure checks."""
