import os

import tensorflow as tf

tf.compat.v1.disable_eager_execution()
w = tf.compat.v1.get_variable("w", [3, 4])
b = tf.compat.v1.get_variable("b", [4])
loss = tf.reduce_sum(w) + tf.reduce_sum(b)
train = tf.compat.v1.train.AdamOptimizer().minimize(loss)
saver = tf.compat.v1.train.Saver()
os.makedirs("out/saver", exist_ok=True)
with tf.compat.v1.Session() as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    for i in range(3):
        sess.run(train)
        saver.save(sess, "out/saver/model", global_step=i)
