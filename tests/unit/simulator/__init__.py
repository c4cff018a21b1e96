"""Tests of the source simulator's world generator."""
