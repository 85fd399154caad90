"""One provider per resource type the emulator models (base.py says what a provider does).

Importing a module registers its provider: a new type is a new module and one line here.
"""

from alarmclock.emulator.providers import (  # noqa: F401  (imported to register)
    alarm,
    custom,
    function,
    log_group,
    permission,
    role,
    rule,
    subscription,
    topic,
    topic_policy,
)
from alarmclock.emulator.providers.base import (
    Names,
    Provider,
    attach_all,
    is_custom_type,
    modelled_types,
    provider_for,
    register,
    unregister,
)

__all__ = [
    "Names",
    "Provider",
    "attach_all",
    "is_custom_type",
    "modelled_types",
    "provider_for",
    "register",
    "unregister",
]
