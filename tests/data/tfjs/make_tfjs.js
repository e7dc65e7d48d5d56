// Writes the TensorFlow.js fixtures with @tensorflow/tfjs itself (no native addon):
//   layers/model.json + weights.bin   a trained layers model, as tf.io's file:// handler lays it out
//   manifest/weights_manifest.json + group1-shard1of1.bin   weights of every dtype tfjs encodes
//   expected.json                     each weight's values as tfjs holds them (the oracle)
// Run: cd tests/data/tfjs && npm install @tensorflow/tfjs@4 && node make_tfjs.js
const tf = require('@tensorflow/tfjs');
const fs = require('fs');
const path = require('path');

async function main() {
  const model = tf.sequential({name: 'tiny'});
  model.add(tf.layers.dense({units: 5, inputShape: [3], activation: 'relu', name: 'hidden'}));
  model.add(tf.layers.dense({units: 2, activation: 'softmax', name: 'out'}));
  model.compile({optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const xs = tf.randomNormal([16, 3], 0, 1, 'float32', 1);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0], 'int32'), 2);
  await model.fit(xs, ys, {epochs: 2, verbose: 0});
  const expected = {};
  for (const w of model.weights) expected[w.originalName] = {dtype: w.dtype, shape: w.shape, values: await w.read().array()};

  // As tfjs-node's file:// handler writes: model.json naming weights.bin, the data in it.
  fs.mkdirSync('layers', {recursive: true});
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    fs.writeFileSync(path.join('layers', 'weights.bin'), Buffer.from(artifacts.weightData));
    const json = {
      modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy, trainingConfig: artifacts.trainingConfig,
      weightsManifest: [{paths: ['weights.bin'], weights: artifacts.weightSpecs}],
    };
    fs.writeFileSync(path.join('layers', 'model.json'), JSON.stringify(json));
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }), {includeOptimizer: true});
  const opt = {};
  for (const w of await model.optimizer.getWeights()) opt[w.name] = {shape: w.tensor.shape, values: await w.tensor.array()};

  // Every dtype tf.io encodes, as tfjs's own encoder lays them out.
  const tensors = {
    'f32': tf.tensor2d([[1.5, -2.25], [3.0, 1e-3]], [2, 2], 'float32'),
    'i32': tf.tensor1d([7, -8, 2147483647], 'int32'),
    'flags': tf.tensor1d([true, false, true], 'bool'),
    'words': tf.tensor1d(['alpha', '', 'gr\u00fc\u00df'], 'string'),
    'z': tf.complex(tf.tensor1d([1, 2]), tf.tensor1d([-1, 0.5])),
  };
  const {data, specs} = await tf.io.encodeWeights(tensors);
  fs.mkdirSync('manifest', {recursive: true});
  fs.writeFileSync(path.join('manifest', 'group1-shard1of1.bin'), Buffer.from(data));
  fs.writeFileSync(path.join('manifest', 'weights_manifest.json'),
                   JSON.stringify([{paths: ['group1-shard1of1.bin'], weights: specs}]));
  const dtypes = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype === 'complex64') {
      dtypes[name] = {dtype: t.dtype, shape: t.shape, real: await tf.real(t).array(), imag: await tf.imag(t).array()};
    } else {
      dtypes[name] = {dtype: t.dtype, shape: t.shape, values: await t.array()};
    }
  }
  // Decoding with tfjs's own decoder must give the same back (the writer agrees with itself).
  const back = tf.io.decodeWeights(data, specs);
  if ((await back['i32'].array())[2] !== 2147483647) throw new Error('decode disagrees');
  fs.writeFileSync('expected.json', JSON.stringify({model: expected, optimizer: opt, dtypes, tfjs: tf.version.tfjs}, null, 1));
}
main();
