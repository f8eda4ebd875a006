# The fake systems are scripts that the runner starts, not test modules.
collect_ignore = ["fake_systems"]
