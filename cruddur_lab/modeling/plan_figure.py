"""Monthly cost against daily active users, on-demand and provisioned, and where they cross.

Drawn without pyplot and written as byte-stable SVG (``figure.figure_svg``); the object shows
as SVG in JupyterLab and as a table of its points everywhere else.

>>> cost_curve(Profile(), figures)          # in a notebook: the picture
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cruddur_lab.modeling.capacity_plan import PerCall, Profile, break_even_users, cost_by_users
from cruddur_lab.modeling.figure import figure_svg

#: Daily active users on the curve: a class to a large app, evenly on a log scale.
DEFAULT_USERS = tuple(round(10 ** (exponent / 4)) for exponent in range(4, 25))


@dataclass(frozen=True)
class CostCurve:
    """``(daily users, on-demand $, provisioned $)`` a month, and the break-even size."""

    profile: Profile
    points: Sequence[tuple[float, float, float]]
    break_even: int | None

    def __repr__(self) -> str:
        lines = [
            f"Monthly cost against daily users (peak {self.profile.peak_to_average:g}x, "
            f"{self.profile.target_utilization:.0%} target):",
            f"{'daily users':>12}  {'on-demand':>12}  {'provisioned':>12}",
        ]
        lines += [
            f"{users:>12,.0f}  {od:>12,.2f}  {prov:>12,.2f}" for users, od, prov in self.points
        ]
        lines.append(self._crossing())
        return "\n".join(lines)

    __str__ = __repr__

    def _crossing(self) -> str:
        if self.break_even is None:
            return "on-demand stays cheaper at every size: the peak leaves provisioned idle"
        return (
            f"provisioned costs no more than on-demand from {self.break_even:,} daily users\n"
            "(whole units make its bill a staircase: just below, the two may cross back and forth)"
        )

    def figure(self) -> Any:
        from matplotlib.figure import Figure

        users = [point[0] for point in self.points]
        fig = Figure(figsize=(8, 4.5), layout="constrained")
        ax = fig.subplots()
        ax.plot(users, [p[1] for p in self.points], label="on-demand", color="#d1495b")
        ax.plot(users, [p[2] for p in self.points], label="provisioned at peak", color="#30638e")
        if self.break_even is not None:
            ax.axvline(self.break_even, color="#555555", linestyle=":", linewidth=1)
            ax.annotate(
                f"break-even: {self.break_even:,} daily users",
                (self.break_even, 0.5),
                xycoords=("data", "axes fraction"),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=8,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("daily active users")
        ax.set_ylabel("US dollars a month (requests only)")
        ax.set_title(
            f"Cruddur messages: peak {self.profile.peak_to_average:g}x the average, "
            f"{self.profile.target_utilization:.0%} target utilization",
            fontsize=10,
        )
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        return fig

    def svg(self) -> str:
        return figure_svg(self.figure())

    def _repr_svg_(self) -> str:
        return self.svg()


def cost_curve(
    profile: Profile,
    figures: Mapping[str, PerCall],
    users: Sequence[float] = DEFAULT_USERS,
    **prices: Any,
) -> CostCurve:
    """Both bills of ``profile`` at each size in ``users``, and the break-even size."""
    return CostCurve(
        profile,
        cost_by_users(profile, figures, list(users), **prices),
        break_even_users(profile, figures, **prices),
    )
