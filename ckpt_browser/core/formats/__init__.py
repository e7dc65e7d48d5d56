"""One reader per file format (tensor bundle, Keras, TF.js, TFRecord, TensorFlow's protos) and the
records they return. Imports only storage/, errors and progress: never TensorFlow, never Qt."""
