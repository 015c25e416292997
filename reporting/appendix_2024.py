"""The result tables of appendix 5.1 of NTNU's annual HSE report 2024: counts per answer
for 2024 (73 units) and 2023 (74 units). Percents are not stored: they are computed from
these counts (the printed 35,5 % for q07a in 2023 is 18 of 48, which is 37,5 %).

Keys: a question key, or `question.row` for a matrix row. Options in answer-code order.
"""

from __future__ import annotations

D4 = ("1", "2", "3", "4", "dont_know")
YN = ("yes", "no", "dont_know")
SB = ("0-24", "25-49", "50-74", "75-100", "dont_know")


def _c(codes: tuple[str, ...], *counts: int) -> dict[str, int]:
    return dict(zip(codes, counts, strict=True))


def _m(codes: tuple[str, str, str], yes: int, middle: int, no: int) -> dict[str, int]:
    return dict(zip(codes, (yes, middle, no), strict=True))


Q24A = ("yes", "not_applicable", "no")
Q26A = ("yes", "dont_know", "no")

APPENDIX: dict[int, dict[str, dict[str, int]]] = {
    2024: {
        "q01": {"yes": 73, "no": 0},
        "q02": _c(YN, 52, 19, 2),
        "q03": _c(YN, 62, 11, 0),
        "q04": _c(D4, 4, 4, 38, 27, 0),
        "q05": _c(YN, 59, 14, 0),
        "q06": _c(YN, 60, 13, 0),
        "q07": _c(YN, 50, 22, 1),
        "q07a": _c(YN, 34, 16, 0),
        "q07b": {"yes": 8, "no": 8, "not_applicable": 18},
        "q08": _c(YN, 71, 2, 0),
        "q09": _c(YN, 69, 2, 2),
        "q10": _c(YN, 50, 19, 4),
        "q11": _c(YN, 53, 16, 4),
        "q13": _c(D4, 0, 1, 34, 38, 0),
        "q14": _c(D4, 0, 2, 20, 50, 1),
        "q15": _c(YN, 65, 7, 1),
        "q16": _c(YN, 31, 41, 1),
        "q17": _c(D4, 0, 2, 36, 35, 0),
        "q18": _c(D4, 0, 2, 26, 44, 1),
        "q19": _c(YN, 27, 45, 1),
        "q19a": _c(YN, 23, 3, 1),
        "q20": _c(D4, 0, 2, 13, 58, 0),
        "q21": _c(D4, 1, 11, 38, 23, 0),
        "q22": _c(SB, 2, 9, 24, 36, 2),
        "q23": _c(D4, 10, 20, 21, 17, 5),
        "q24": _c(YN, 24, 49, 0),
        "q24a.risk_assessment": _m(Q24A, 23, 1, 0),
        "q24a.exposure_register": _m(Q24A, 14, 10, 0),
        "q24a.room_responsible": _m(Q24A, 21, 1, 1),
        "q24a.reported_to_authority": _m(Q24A, 21, 3, 0),
        "q24a.radioactive_waste": _m(Q24A, 8, 16, 0),
        "q25": _c(YN, 36, 37, 0),
        "q26": _c(YN, 16, 57, 0),
        "q26a.risk_assessment": _m(Q26A, 16, 0, 0),
        "q26a.register": _m(Q26A, 15, 0, 1),
        "q26a.vaccination": _m(Q26A, 16, 0, 0),
        "q26a.room_responsible": _m(Q26A, 16, 0, 0),
        "q26a.infectious_waste": _m(Q26A, 16, 0, 0),
        "q27": _c(YN, 49, 24, 0),
        "q28": _c(YN, 71, 2, 0),
        "q29": _c(D4, 15, 31, 19, 7, 1),
        "q30": _c(YN, 63, 7, 3),
        "q30a": _c(D4, 4, 12, 28, 14, 5),
    },
    2023: {
        "q01": {"yes": 74, "no": 0},
        "q02": _c(YN, 54, 17, 3),
        "q03": _c(YN, 48, 25, 1),
        "q04": _c(D4, 3, 16, 38, 17, 0),
        "q05": _c(YN, 47, 27, 0),
        "q07": _c(YN, 48, 26, 0),
        "q07a": _c(YN, 18, 28, 2),
        "q09": _c(YN, 69, 2, 3),
        "q10": _c(YN, 35, 34, 5),
        "q11": _c(YN, 46, 24, 4),
        "q13": _c(D4, 0, 3, 29, 42, 0),
        "q14": _c(D4, 0, 2, 20, 52, 0),
        "q15": _c(YN, 67, 5, 2),
        "q16": _c(YN, 40, 33, 1),
        "q17": _c(D4, 0, 2, 28, 44, 0),
        "q18": _c(D4, 0, 3, 22, 49, 0),
        "q19": _c(YN, 28, 45, 1),
        "q19a": _c(YN, 21, 6, 1),
        "q22": _c(SB, 0, 2, 18, 51, 3),
        "q23": _c(D4, 18, 16, 15, 14, 11),
        "q24": _c(YN, 23, 50, 1),
        "q24a.risk_assessment": _m(Q24A, 22, 1, 0),
        "q24a.health_examination": _m(Q24A, 14, 7, 2),
        "q24a.exposure_register": _m(Q24A, 12, 11, 0),
        "q24a.room_responsible": _m(Q24A, 23, 0, 0),
        "q24a.reported_to_authority": _m(Q24A, 17, 5, 1),
        "q24a.radioactive_waste": _m(Q24A, 8, 14, 1),
        "q25": _c(YN, 36, 36, 2),
        "q26": _c(YN, 16, 57, 1),
        "q26a.health_examination": _m(Q26A, 14, 0, 2),
        "q26a.register": _m(Q26A, 15, 0, 1),
        "q26a.vaccination": _m(Q26A, 16, 0, 0),
        "q26a.room_responsible": _m(Q26A, 16, 0, 0),
        "q26a.infectious_waste": _m(Q26A, 16, 0, 0),
        "q27": _c(YN, 49, 25, 0),
        "q28": _c(YN, 73, 1, 0),
        "q29": _c(D4, 18, 27, 28, 1, 0),
    },
}
