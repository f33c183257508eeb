"""Evaluation harnesses and the local benchmark services they run against."""
