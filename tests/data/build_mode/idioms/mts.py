import tensorflow as tf

tf.compat.v1.disable_eager_execution()
x = tf.compat.v1.placeholder(tf.float32, [None, 3])
w = tf.compat.v1.get_variable("w", [3, 4])
loss = tf.reduce_sum(tf.matmul(x, w))
step = tf.compat.v1.train.get_or_create_global_step()
train = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9).minimize(loss, global_step=step)
with tf.compat.v1.train.MonitoredTrainingSession(checkpoint_dir="out/mts", save_checkpoint_steps=2) as sess:
    for _ in range(3):
        sess.run(train, {x: [[1, 2, 3]]})
