"""Satisfaction surveys (满意度调查) and the monthly red/yellow/blue cards (红黄蓝牌) of SPEC §5."""
