"""The silence statistic of `gaps` (docs/gaps.md).

A service writes in bursts (one request, several lines in the same second), so it is measured in
*active seconds* (distinct seconds with at least one line). For a silence of d seconds the expected
number of active seconds is λ·d, with λ the lower of two rates learnt from the logs themselves: the
service's rate in the hour before and after the silence, and its mean rate in the same hour of day on
the other days. Under a Poisson model the chance of such a silence is exp(-λ·d); a silence is reported
when λ·d is at least `min_expected` (default 15, a chance below 3e-7) and d is at least --min-gap.
"""

from datetime import timedelta

import polars as pl

from forensics_cli.schema import TS_DTYPE


def improbable_silences(
    active: pl.DataFrame, min_gap_s: float, min_expected: float, context_s: float, min_evidence: int = 30
) -> pl.DataFrame:
    """One row per improbable silence: service, start, end, silence (s), rate (per s), expected, and
    evidence (the active seconds around the silence the rate rests on; fewer than `min_evidence`: none).

    `active` has one row per service and second with lines (gap_input.GapInput.active: `ts` is the time of
    the second's first line), sorted by service and time. Vectorized per service.
    """
    found = []
    context = timedelta(seconds=context_s)
    for (service,), group in active.group_by("service", maintain_order=True):
        times = group["ts"]
        candidates = group.select(
            pl.col("ts").shift(1).alias("start"),
            pl.col("ts").alias("end"),
        ).with_columns((pl.col("end") - pl.col("start")).dt.total_seconds(fractional=True).alias("silence"))
        candidates = candidates.filter(pl.col("silence") >= min_gap_s)
        if candidates.is_empty():
            continue
        count_before = times.search_sorted(candidates["start"], side="right") - times.search_sorted(
            candidates["start"] - context, side="left"
        )
        count_after = times.search_sorted(candidates["end"] + context, side="right") - times.search_sorted(
            candidates["end"], side="left"
        )
        hourly = group.group_by(
            pl.col("ts").dt.date().alias("day"), pl.col("ts").dt.hour().alias("hour")
        ).len()
        days = hourly["day"].n_unique()
        by_hour = hourly.group_by("hour").agg(pl.col("len").sum().alias("hour_total"))
        first, last = times[0], times[-1]
        judged = (
            candidates.with_columns(
                (count_before + count_after).alias("around_count"),
                pl.col("start").dt.date().alias("day"),
                pl.col("start").dt.hour().alias("hour"),
            )
            .join(hourly, on=["day", "hour"], how="left")
            .join(by_hour, on="hour", how="left")
            .with_columns(
                (
                    pl.min_horizontal(pl.lit(context_s), (pl.col("start") - first).dt.total_seconds())
                    + pl.min_horizontal(pl.lit(context_s), (last - pl.col("end")).dt.total_seconds())
                ).alias("covered"),
                # same hour of day on the other days the service logged
                pl.when(pl.lit(days) > 1)
                .then((pl.col("hour_total").fill_null(0) - pl.col("len").fill_null(0)) / (3600 * (days - 1)))
                .alias("same_hour_rate"),
            )
            .filter(pl.col("covered") > 0)
            .with_columns(
                pl.min_horizontal(pl.col("around_count") / pl.col("covered"), "same_hour_rate").alias("rate")
            )
            .with_columns((pl.col("rate") * pl.col("silence")).alias("expected"))
            .filter(pl.col("expected") >= min_expected)
            .filter(pl.col("around_count") >= min_evidence)
        )
        found.append(
            judged.select(
                pl.lit(service).alias("service"),
                "start",
                "end",
                "silence",
                "rate",
                "expected",
                pl.col("around_count").cast(pl.Int64).alias("evidence"),
            )
        )
    if not found:
        return pl.DataFrame(
            schema={
                "service": pl.String,
                "start": TS_DTYPE,
                "end": TS_DTYPE,
                "silence": pl.Float64,
                "rate": pl.Float64,
                "expected": pl.Float64,
                "evidence": pl.Int64,
            }
        )
    return pl.concat(found)
