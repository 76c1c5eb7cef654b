"""Cross-market opportunities: priced, executable portfolios over related markets (pure maths).

walk.py          joint book walk over a portfolio's legs (venue fees, rounding, lots, minimums)
portfolios.py    which legs to buy for a relation and its outcome map (and which worlds exist)
outcome_sets.py  equivalent exhaustive multi-outcome events across venues
risks.py         settlement risks read from the two markets' rules
index.py         token → related pairs, so a book change touches only its pairs
opportunities.py the Opportunity for a walked portfolio, and the scan over pairs
"""
