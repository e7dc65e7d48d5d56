"""The small generated data the training scripts here read, in place of the downloads they make
(iris, census, titanic CSVs; MNIST-like arrays). Seeded, stdlib + numpy only; each folder gets only
the files its script reads (DATA below).

    python3 make_data.py        # any Python with numpy
"""

import csv
import io
import os
import random

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def iris_rows(n, rng):
    rows = []
    for i in range(n):
        s = i % 3
        rows.append([round(rng.uniform(4.3, 7.9), 1), round(rng.uniform(2.0, 4.4), 1),
                     round(rng.uniform(1.0, 6.9) if s else rng.uniform(1.0, 1.9), 1),
                     round(rng.uniform(0.1, 2.5), 1), s])  # fmt: skip
    return rows


def iris_csv(path, n, seed, header=True):
    """TensorFlow's iris CSVs: a first line 'N,4,setosa,versicolor,virginica', then the rows."""
    rng = random.Random(seed)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        if header:
            w.writerow([n, 4, "setosa", "versicolor", "virginica"])
        w.writerows(iris_rows(n, rng))


WORKCLASS = [" Private", " Self-emp-not-inc", " State-gov", " Federal-gov", " Local-gov", " ?"]
EDUCATION = [" Bachelors", " HS-grad", " 11th", " Masters", " Some-college", " Doctorate"]
MARITAL = [" Married-civ-spouse", " Divorced", " Never-married", " Widowed"]
OCCUPATION = [" Tech-support", " Craft-repair", " Sales", " Exec-managerial", " Prof-specialty", " ?"]
RELATIONSHIP = [" Husband", " Not-in-family", " Wife", " Own-child", " Unmarried"]
RACE = [" White", " Black", " Asian-Pac-Islander", " Other"]
COUNTRY = [" United-States", " Mexico", " India", " Germany", " ?"]


def census_csv(path, n, seed):
    """adult.data: 15 columns, no header, ', '-separated like the UCI file."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        row = [rng.randint(17, 80), rng.choice(WORKCLASS).strip(), rng.randint(20000, 400000),
               rng.choice(EDUCATION).strip(), rng.randint(1, 16), rng.choice(MARITAL).strip(),
               rng.choice(OCCUPATION).strip(), rng.choice(RELATIONSHIP).strip(), rng.choice(RACE).strip(),
               rng.choice(["Male", "Female"]), rng.choice([0, 0, 0, 2174, 14084]), rng.choice([0, 0, 1902]),
               rng.randint(10, 80), rng.choice(COUNTRY).strip(), rng.choice(["<=50K", ">50K"])]  # fmt: skip
        lines.append(", ".join(str(v) for v in row))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def titanic_csv(path, n, seed):
    rng = random.Random(seed)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["survived", "sex", "age", "n_siblings_spouses", "parch", "fare", "class", "deck",
                "embark_town", "alone"])  # fmt: skip
    for _ in range(n):
        w.writerow([rng.randint(0, 1), rng.choice(["male", "female"]), float(rng.randint(1, 70)),
                    rng.randint(0, 3), rng.randint(0, 2), round(rng.uniform(5, 100), 4),
                    rng.choice(["First", "Second", "Third"]), rng.choice(["unknown", "A", "B", "C"]),
                    rng.choice(["Southampton", "Cherbourg", "Queenstown"]), rng.choice(["y", "n"])])  # fmt: skip
    with open(path, "w") as f:
        f.write(buf.getvalue())


def mnist_npz(path, seed, n_train=64, n_test=16):
    """The arrays of keras.datasets.mnist.load_data(): uint8 images 28x28, uint8 labels."""
    rng = np.random.default_rng(seed)
    np.savez_compressed(path, x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
                        y_train=rng.integers(0, 10, n_train, dtype=np.uint8),
                        x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
                        y_test=rng.integers(0, 10, n_test, dtype=np.uint8))  # fmt: skip


def ucr_tsv(path, n, length, seed):
    """A UCR archive TSV: the label (-1 or 1) then the series, tab-separated."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        for i in range(n):
            label = 1 if i % 2 else -1
            f.write("\t".join([str(label)] + [f"{rng.gauss(0, 1):.4f}" for _ in range(length)]) + "\n")


def iris_pair(folder, seed, header=True):
    iris_csv(os.path.join(folder, "iris_training.csv"), 40, seed, header)
    iris_csv(os.path.join(folder, "iris_test.csv"), 12, seed + 1, header)


def census_pair(folder, seed):
    census_csv(os.path.join(folder, "adult.data.csv"), 60, seed)
    census_csv(os.path.join(folder, "adult.test.csv"), 20, seed + 1)


def titanic_pair(folder, seed):
    titanic_csv(os.path.join(folder, "train.csv"), 60, seed)
    titanic_csv(os.path.join(folder, "eval.csv"), 20, seed + 1)


# folder -> what its script reads
DATA = {
    "custom_estimator": lambda d: iris_pair(d, 1),
    "premade_estimator": lambda d: iris_pair(d, 2),
    "iris_cloudml": lambda d: iris_pair(d, 3),
    "keras_to_estimator": lambda d: iris_pair(d, 4),
    "census_estimator": lambda d: census_pair(d, 5),
    "census_keras": lambda d: census_pair(d, 6),
    "titanic_linear": lambda d: titanic_pair(d, 7),
    "canned_linear": lambda d: titanic_pair(d, 8),
    "estimator_guide_linear": lambda d: titanic_pair(d, 16),
    "multiworker_estimator": lambda d: mnist_npz(os.path.join(d, "mnist.npz"), 9),
    "checkpoint_saver_tf1": lambda d: mnist_npz(os.path.join(d, "mnist.npz"), 10),
    "checkpoint_saver_tf2": lambda d: mnist_npz(os.path.join(d, "mnist.npz"), 11),
    "save_and_load": lambda d: mnist_npz(os.path.join(d, "mnist.npz"), 12),
    "distribute_keras": lambda d: mnist_npz(os.path.join(d, "mnist.npz"), 13),
    "distribute_ctl": lambda d: mnist_npz(os.path.join(d, "fashion_mnist.npz"), 14),
    "dcgan": lambda d: mnist_npz(os.path.join(d, "mnist.npz"), 15),
    "timeseries_fcn": lambda d: (ucr_tsv(os.path.join(d, "FordA_TRAIN.tsv"), 40, 64, 18),
                                 ucr_tsv(os.path.join(d, "FordA_TEST.tsv"), 12, 64, 19)),
    "fault_tolerance_ctl": lambda d: mnist_npz(os.path.join(d, "mnist.npz"), 17),
}


def main(only=None):
    for folder, make in DATA.items():
        path = os.path.join(HERE, folder)
        if os.path.isdir(path) and (only is None or folder in only):
            make(path)


if __name__ == "__main__":
    main()
