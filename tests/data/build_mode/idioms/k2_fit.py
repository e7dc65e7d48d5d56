import numpy as np
import tensorflow as tf


class Net(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = tf.keras.layers.Dense(6, activation="relu")
        self.d2 = tf.keras.layers.Dense(2)

    def call(self, x):
        return self.d2(self.d1(x))


model = Net()
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
cb = tf.keras.callbacks.ModelCheckpoint("out/k2/cp-{epoch:02d}", save_weights_only=True)
rng = np.random.RandomState(0)
model.fit(rng.rand(32, 3), rng.randint(0, 2, 32), epochs=2, batch_size=8, callbacks=[cb], verbose=0)
