"""Stand-ins for the services the bot talks to, served over real HTTP for tests and benchmarks."""
