"""The engine: display expressions (`expr`), the step graph (`step`) and the operations that build it (`ops`)."""
