"""Indicator snapshots: each figure of each indicator, per institution, per day.

The nightly `indicators_snapshot` flow writes them (mowakaba/services/indicator_snapshots.py);
the indicators page draws its trends from them. One row per (institution, day, figure).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.models.columns import Keyed, fk, utc_field


class IndicatorSnapshot(Keyed, SQLModel, table=True):
    """A figure of an indicator for one institution, computed over the 12 months ending
    `snapshot_date` (the institution's local day). `value` None: no data that day."""

    __tablename__ = "indicator_snapshot"
    __table_args__ = (
        sa.UniqueConstraint("institution_id", "snapshot_date", "figure_key"),
        sa.Index("ix_indicator_snapshot_figure_key_snapshot_date", "figure_key", "snapshot_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = fk("institution.id", ondelete="CASCADE", index=False)
    snapshot_date: date
    indicator_key: str = Field(max_length=40)
    figure_key: str = Field(max_length=120)
    unit: str = Field(max_length=10)
    numerator: int | None = None
    denominator: int | None = None
    value: float | None = None
    computed_at: datetime = utc_field(default_now=True)
