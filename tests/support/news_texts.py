"""Real English news texts for the spinner tests: a story, the same story through a spinner, and
two other outlets' own stories (one on the same event, with the same names, numbers and quote;
one on the seed page's event): the cases word shingles cannot tell apart."""
from __future__ import annotations

ORIGINAL = """City officials in Portland approved a $45 million plan on Tuesday to rebuild the Morrison Bridge after inspectors found deep cracks in two of its steel supports.
The vote came after a long hearing in which Mayor Karen Ellis urged the council to act before the winter storms arrive. The bridge carries about 50,000 vehicles every day and links the east side of the city with the downtown business district.
"We cannot wait for a disaster to tell us what the engineers have already told us," Ellis said during the meeting.
Engineers from the Oregon Department of Transportation said the cracks were first spotted in March during a routine inspection. The state agency will share the cost with the city and expects the work to take about 18 months.
Commissioner David Ortiz voted against the plan, arguing that the city should first seek money from the federal government. He said the council had rushed the decision without enough public input.
Construction is scheduled to begin in June, and the bridge will remain open to traffic with one lane closed in each direction."""

# the same story through a spinner: real synonyms, a few phrases of another length
SPUN = """Municipal leaders in Portland endorsed a $45 million proposal on Tuesday to reconstruct the Morrison Bridge after examiners discovered serious fractures in two of its metal supports.
The ballot came after a lengthy session in which Mayor Karen Ellis pressed the board to move before the winter tempests arrive. The span conveys roughly 50,000 cars each day and connects the eastern part of the town with the central commercial district.
"We cannot wait for a disaster to tell us what the engineers have already told us," Ellis stated during the gathering.
Specialists from the Oregon Department of Transportation stated the fractures were initially noticed in March during a regular examination. The state bureau will split the expense with the town and anticipates the job to require around 18 months.
Commissioner David Ortiz voted against the proposal, contending that the town ought to first look for funds from the national government. He stated the board had hurried the choice without sufficient public feedback.
Building is planned to start in June, and the span will stay open to vehicles with one lane shut in each direction."""

# another outlet's own story on the same event: same names, numbers and quote, other places
SAME_STORY = """Portland will spend $45 million to rebuild the Morrison Bridge, the city council decided Tuesday, weeks after cracks turned up in the aging span.
"We cannot wait for a disaster to tell us what the engineers have already told us," Mayor Karen Ellis told council members before the vote.
Not everyone agreed. Commissioner David Ortiz, the lone vote against, said the city should have pressed Washington for federal money first, and that the public had too little say.
The Oregon Department of Transportation, which found the damage in March during an inspection, will pay part of the bill. Repairs are expected to last 18 months, starting in June.
About 50,000 vehicles cross the bridge each day. One lane in each direction will close during construction, officials said."""


# another outlet's story on the same event: the same people, numbers and two of the quotes
OTHER_OUTLET = """Moscow has kept up its ties with Hamas since the Oct. 7 attack, and officials across Europe now say openly what they long suspected.
Estonian Foreign Minister Margus Tsahkna put it bluntly in an interview this week. “It is in Putin and Russia’s interest to get more and more conflicts, military conflicts and disaster globally,” he said.
Russia denies arming the group. Maria Zakharova, the foreign ministry spokeswoman, called the claims fantastic on Oct. 14, while Sergey Lavrov has met Hamas leaders in Moscow more than once since September 2022.
Hamas official Ali Baraka told RT that Russia was happy to see America distracted. “Even Russia sympathizes with us,” Baraka said, adding that the group builds its own rifles in Gaza.
Peter Laudsik, a former Estonian diplomat, doubts the Kremlin can steer Iran. He said Putin mostly wants to profit from Arab anger at the strikes on Gaza, where more than 1,400 people died in the first attack on Israel."""
