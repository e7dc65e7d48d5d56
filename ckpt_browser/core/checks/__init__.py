"""Does this checkpoint fit? Against its own graph, an Estimator call or script (read with ast,
never run), another checkpoint, a pasted log; Keras and TF.js load pitfalls; the report's words.
The top of core: may import every package below it."""
