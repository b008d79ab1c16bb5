"""Tests of the pictures: a package, so that its test modules may share names with tests/solvers/ ones."""
