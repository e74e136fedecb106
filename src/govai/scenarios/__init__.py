"""Scenarios compose engines (knowledge, gateway, …) into what a department uses."""
