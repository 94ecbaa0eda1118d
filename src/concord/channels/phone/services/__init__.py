"""Every write to call records."""

from concord.channels.phone.services.records import (
    CallUpsert,
    call_record_upsert,
    call_subject,
)

__all__ = ["CallUpsert", "call_record_upsert", "call_subject"]
