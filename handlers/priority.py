"""Named handler groups: PTB runs one handler per group, lowest group first."""

#: The per-person brake, before anything else happens.
THROTTLE = -20
#: Bookkeeping that must see every update (who lives where) before any command runs.
TRACKING = -10
#: Who is in which ad-hoc group, from joins and leaves.
GROUP_TRACKING = -9
#: When each chat was last active, for nudging quiet groups.
ACTIVITY = -8
#: Commands and buttons.
COMMANDS = 0
