"""Dataclass behaviour for the engine's value types (issue 14).

The reference SDK's value types are dataclasses. Here they are C++ objects (so that deciding
stays fast); this module gives each the dataclass protocol on top: ``dataclasses.fields``,
``is_dataclass``, ``replace`` and ``asdict`` (through ``__dataclass_fields__``), positional and
keyword construction in the documented field order, value equality, a repr of the fields,
``copy``/``deepcopy`` and pickling, and — for the frozen ones — ``FrozenInstanceError`` on
assignment.
"""
import copy
import dataclasses
import inspect

REQUIRED = dataclasses.MISSING


def _rebuild(cls, values):
    return cls(*values)


def _frozen_setattr(self, name, value):
    raise dataclasses.FrozenInstanceError(f"cannot assign to field '{name}'")


def _frozen_delattr(self, name):
    raise dataclasses.FrozenInstanceError(f"cannot delete field '{name}'")


def dataclass_like(cls, fields, *, frozen=False, native_kwargs=False, keep=(), derived=()):
    """Gives `cls` (a bound C++ class) the dataclass protocol.

    `fields` is a list of (name, type, default) in constructor order; a default is REQUIRED, a
    value, a type (a factory: `list`, `dict`, a config class) or a `dataclasses.field`. With
    `native_kwargs` the C++ constructor takes the fields as keywords, and the `keep` fields are
    assigned again after it so that the object given is the one kept (a list changed in place
    later still counts); otherwise it takes none and each field is assigned after it, except the
    `derived` ones (computed from the others: accepted, and not stored)."""
    spec = []
    for name, typ, default in fields:
        if default is REQUIRED:
            spec.append((name, typ))
        elif isinstance(default, dataclasses.Field):
            spec.append((name, typ, default))
        elif isinstance(default, type):  # a factory: list, dict, KLDriftConfig
            spec.append((name, typ, dataclasses.field(default_factory=default)))
        else:
            spec.append((name, typ, dataclasses.field(default=default)))
    shadow = dataclasses.make_dataclass(cls.__name__, spec, frozen=frozen)
    cls.__dataclass_fields__ = shadow.__dataclass_fields__
    cls.__dataclass_params__ = shadow.__dataclass_params__
    names = tuple(f.name for f in dataclasses.fields(shadow))
    cls.__match_args__ = names
    signature = inspect.signature(shadow)
    factories = {f.name: f.default_factory for f in dataclasses.fields(shadow)
                 if f.default_factory is not dataclasses.MISSING}
    native_init = cls.__init__

    if native_kwargs:
        def __init__(self, *args, **kwargs):
            if args:
                bound = signature.bind(*args, **kwargs)
                kwargs = bound.arguments
            native_init(self, **kwargs)
            for name in keep:
                if name in kwargs:
                    setattr(self, name, kwargs[name])
    else:
        def __init__(self, *args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            native_init(self)
            values = bound.arguments
            for name in names:
                if name in derived:
                    continue
                if name in values:
                    value = values[name]
                elif name in factories:
                    value = factories[name]()
                else:
                    value = signature.parameters[name].default
                setattr(self, name, value)

    self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    __init__.__signature__ = signature.replace(
        parameters=[self_parameter, *signature.parameters.values()],
        return_annotation=inspect.Signature.empty)  # inspect drops `self` for the class
    __init__.__doc__ = f"{cls.__name__}{signature}"
    cls.__init__ = __init__

    def values_of(self):
        return tuple(getattr(self, n) for n in names)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return values_of(self) == values_of(other)

    def __repr__(self):
        return f"{cls.__name__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    cls.__eq__ = __eq__
    cls.__repr__ = __repr__
    cls.__hash__ = (lambda self: hash(values_of(self))) if frozen else None
    cls.__reduce__ = lambda self: (_rebuild, (cls, values_of(self)))
    cls.__copy__ = lambda self: _rebuild(cls, values_of(self))
    cls.__deepcopy__ = lambda self, memo: _rebuild(
        cls, tuple(copy.deepcopy(v, memo) for v in values_of(self)))
    if frozen:
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
    return cls
