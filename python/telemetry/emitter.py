"""`from telemetry.emitter import TelemetryEmitter`, as the reference SDK writes it."""
from aegis_governance import TelemetryEmitter

__all__ = ["TelemetryEmitter"]
