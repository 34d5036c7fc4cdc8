"""Story bodies for the evaluation pages (written for this project; not real reporting).

The Washington Examiner body is the real copy in ``../shared/seeds/`` (its visible text, frozen
into ``seed_000.txt`` here so the tests run without ``../shared``); the other three are ours.
"""
from __future__ import annotations

NYPOST = dict(
    headline="City council delays vote on ferry subsidy as fares climb",
    author="Dana Whitfield",
    url="https://nypost.com/2023/12/19/metro/city-council-delays-vote-on-ferry-subsidy/",
    published_iso="2023-12-19T15:42:00Z",
    paragraphs=[
        "The City Council on Tuesday pushed back a vote on a $38 million ferry subsidy, leaving commuters on "
        "three routes to face a second fare increase before spring.",
        "“We are not going to rubber-stamp a check without seeing the ridership numbers,” said Councilmember "
        "Rosa Delgado, who chairs the transportation committee.",
        "The operator, Harbor Line Services, had asked for the money in October, saying fuel costs rose 22% "
        "over two years and that two boats need new engines.",
        "Riders on the Rockaway route already pay $4.50 a trip, up from $2.75 in 2021, according to figures the "
        "company filed with the city.",
        "A spokesman for the mayor said the administration “remains committed” to the service but wants an "
        "independent audit before any new payments.",
        "The council is now expected to take up the measure on Jan. 16, after the holiday recess.",
    ],
)

PJMEDIA = dict(
    headline="The quiet retreat of the four-day school week",
    author="Marcus Ellery",
    url="https://pjmedia.com/columns/marcus-ellery/2024/02/07/the-quiet-retreat-of-the-four-day-school-week-n4926611",
    published_iso="2024-02-07T11:30:00Z",
    paragraphs=[
        "Five years ago, the four-day school week was sold to rural districts as a way to save money and keep "
        "teachers from leaving. Now a growing number of those districts are quietly going back.",
        "In Missouri alone, at least 14 districts voted last year to restore the fifth day, citing test scores "
        "and the cost of child care that fell on working parents.",
        "“The savings were smaller than promised, and the Fridays were not free for anyone,” one superintendent "
        "told a state panel in January.",
        "Researchers at two state universities found that students on the shorter schedule gained less in "
        "reading and math than peers in similar districts, though the gap was modest.",
        "Supporters say the schedule still helps recruit teachers. Opponents answer that a paycheck does more "
        "than a long weekend.",
    ],
)

WATIMES = dict(
    headline="Navy weighs new pier lease as shipyard backlog grows",
    author="Owen Castell",
    url="https://www.washingtontimes.com/news/2024/jan/3/navy-weighs-new-pier-lease-as-shipyard-backlog-gr/",
    published_iso="2024-01-03T09:15:00Z",
    paragraphs=[
        "The Navy is negotiating a 10-year lease for a commercial pier in Norfolk as repairs at its own "
        "shipyards fall further behind, officials said Wednesday.",
        "Seventeen submarines and destroyers are waiting for maintenance slots, up from 11 a year ago, "
        "according to a briefing given to the House Armed Services Committee.",
        "“We need the space now, not in 2030,” Rear Adm. Paula Grant told reporters after the briefing.",
        "The lease would cost about $61 million over its term. Critics in Congress say it papers over a deeper "
        "shortage of skilled welders and pipefitters.",
        "A final decision is expected by March, the Navy said.",
    ],
)
