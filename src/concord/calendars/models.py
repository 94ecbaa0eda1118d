"""Calendars: a time zone, weekly opening hours, public holidays and closed dates."""

from __future__ import annotations

from datetime import time

from django.db import models


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Calendar(models.Model):
    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, help_text="An IANA zone, e.g. Europe/Berlin.")
    holiday_country = models.CharField(
        max_length=8, blank=True, help_text="ISO code for public holidays, e.g. DE; empty: none."
    )
    holiday_subdivision = models.CharField(
        max_length=16, blank=True, help_text="Optional state or region, e.g. BY."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# TimeField cannot hold 24:00, so an interval that runs to the end of the day
# stores 00:00 as its end: an end of 00:00 always means midnight *after* the
# start (00:00-00:00 is the whole day). Any other end must be after the start.
END_OF_DAY = time(0, 0)


class CalendarInterval(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means midnight at the end of the day (24:00).")

    class Meta:
        ordering = ["calendar", "weekday", "start"]

    def __str__(self) -> str:
        end = "24:00" if self.end == END_OF_DAY else self.end.strftime("%H:%M")
        return f"{Weekday(self.weekday).label} {self.start:%H:%M}-{end}"

    @property
    def start_second(self) -> int:
        return self.start.hour * 3600 + self.start.minute * 60 + self.start.second

    @property
    def end_second(self) -> int:
        if self.end == END_OF_DAY:
            return 86_400
        return self.end.hour * 3600 + self.end.minute * 60 + self.end.second


class CalendarClosedDate(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField()
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_closed_date_once")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.label}".strip()
