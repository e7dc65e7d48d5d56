"""Write the tiny CSV files the training scripts here read (stdlib only; seeded, so the same every time)."""

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent


def iris(path: Path, rows: int, extra: bool = False) -> None:
    rng = random.Random(path.name)
    header = (
        ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"] + (["PetalRatio"] if extra else []) + ["Species"]
    )
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for _ in range(rows):
            species = rng.randrange(3)
            petal_length = round(1.5 + 2.2 * species + rng.random(), 1)
            petal_width = round(0.2 + 0.9 * species + rng.random() / 2, 1)
            row = [round(5 + rng.random() * 2, 1), round(2.5 + rng.random(), 1), petal_length, petal_width]
            if extra:
                row.append(round(petal_length / petal_width, 2))
            w.writerow(row + [species])


def census(path: Path, rows: int) -> None:
    rng = random.Random(path.name)
    educations = ["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college"]
    occupations = ["Tech-support", "Craft-repair", "Sales", "Exec-managerial", "Farming-fishing", "Adm-clerical"]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["age", "education", "occupation", "hours_per_week", "income_bracket"])
        for _ in range(rows):
            age = rng.randrange(18, 70)
            w.writerow([age, rng.choice(educations), rng.choice(occupations), rng.randrange(20, 60),
                        ">50K" if age > 40 and rng.random() > 0.4 else "<=50K"])  # fmt: skip


def titanic(path: Path, rows: int) -> None:
    rng = random.Random(path.name)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["survived", "sex", "age", "fare", "class", "deck", "embark_town", "alone"])
        for _ in range(rows):
            sex = rng.choice(["male", "female"])
            w.writerow([int(sex == "female" or rng.random() > 0.7), sex, rng.randrange(1, 70), round(rng.random() * 80, 2),
                        rng.choice(["First", "Second", "Third"]), rng.choice(["A", "B", "C", "unknown"]),
                        rng.choice(["Southampton", "Cherbourg", "Queenstown"]), rng.choice(["y", "n"])])  # fmt: skip


def housing(path: Path, rows: int) -> None:
    rng = random.Random(path.name)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["rooms", "age", "city", "price"])
        for _ in range(rows):
            rooms = rng.randrange(1, 8)
            w.writerow([rooms, rng.randrange(0, 90), rng.choice(["Oslo", "Lima", "Pune", "Gent", "Kobe"]),
                        round(rooms * 0.5 + rng.random(), 2)])  # fmt: skip


if __name__ == "__main__":
    iris(HERE / "premade" / "iris_training.csv", 40)
    iris(HERE / "listcomp" / "iris.csv", 40, extra=True)
    iris(HERE / "notebook" / "iris_training.csv", 40)
    census(HERE / "census" / "adult.data.csv", 40)
    titanic(HERE / "titanic" / "train.csv", 40)
    housing(HERE / "absl" / "housing.csv", 40)
