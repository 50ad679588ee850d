"""keras.io example "Using pre-trained word embeddings" (examples/nlp/pretrained_word_embeddings.py).

The example's embedding-matrix loop over a word index (hits and misses,
zero rows for unknown words), an ``Embedding(trainable=False)`` built with
``build((1,))`` and filled with ``set_weights``, the Conv1D/MaxPooling1D/
GlobalMaxPooling1D/Dense/Dropout classifier on ``(None,)`` int32 inputs,
``rmsprop`` with ``metrics=["acc"]``, and the end-to-end model wrapping the
trained model. ``TextVectorization`` on strings needs TensorFlow in Keras 3,
so the vocabulary and GloVe vectors are synthetic and the texts are token ids
(``# harness:``); Dropout rate 0 where it reaches RESULTS.
"""

import numpy as np
import keras
from keras import layers

RESULTS = {}

rng = np.random.RandomState(0)  # harness: synthetic Newsgroup20 ids and GloVe vectors
class_names = ["alt.atheism", "comp.graphics", "sci.space", "rec.autos"]  # harness: 20 classes
voc = ["", "[UNK]"] + ["word%d" % i for i in range(60)]  # harness: vectorizer.get_vocabulary()
word_index = dict(zip(voc, range(len(voc))))

embeddings_index = {}
for word in voc[2:50]:  # harness: glove.6B.100d.txt lines (words 50+ are misses)
    coefs = rng.normal(0, 1, 16).astype("float32")
    embeddings_index[word] = coefs
print("Found %s word vectors." % len(embeddings_index))

num_tokens = len(voc) + 2
embedding_dim = 16  # harness: 100
hits = 0
misses = 0

# Prepare embedding matrix
embedding_matrix = np.zeros((num_tokens, embedding_dim))
for word, i in word_index.items():
    embedding_vector = embeddings_index.get(word)
    if embedding_vector is not None:
        # Words not found in embedding index will be all-zeros.
        # This includes the representation for "padding" and "OOV"
        embedding_matrix[i] = embedding_vector
        hits += 1
    else:
        misses += 1
print("Converted %d words (%d misses)" % (hits, misses))
RESULTS["hits_misses"] = [hits, misses]

embedding_layer = layers.Embedding(
    num_tokens,
    embedding_dim,
    trainable=False,
)
embedding_layer.build((1,))
embedding_layer.set_weights([embedding_matrix])

"""
## Build the model
"""

int_sequences_input = keras.Input(shape=(None,), dtype="int32")
embedded_sequences = embedding_layer(int_sequences_input)
x = layers.Conv1D(8, 5, activation="relu")(embedded_sequences)  # harness: 128 filters
x = layers.MaxPooling1D(5)(x)
x = layers.Conv1D(8, 5, activation="relu")(x)
x = layers.MaxPooling1D(5)(x)
x = layers.Conv1D(8, 5, activation="relu")(x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dense(16, activation="relu")(x)  # harness: 128
x = layers.Dropout(0.0)(x)  # harness: 0.5
preds = layers.Dense(len(class_names), activation="softmax")(x)
model = keras.Model(int_sequences_input, preds)
summary_lines = []
model.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))

rs = np.random.RandomState(1)  # harness: equal initial weights (the embedding keeps its matrix)
model.set_weights([embedding_matrix.astype("float32")] + [
    rs.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()[1:]])
RESULTS["params"] = model.count_params()
RESULTS["trainable_params"] = int(sum(np.prod(w.shape) for w in model.trainable_weights))
RESULTS["non_trainable_count"] = len(model.non_trainable_weights)
summary_text = "\n".join(summary_lines)  # harness: Keras 3 may pass the table as one string
RESULTS["summary_non_trainable"] = [line.strip() for line in summary_text.splitlines()
                                    if "Non-trainable" in line]
RESULTS["output_shapes"] = [str(tuple(layer.output.shape)) for layer in model.layers]

"""
## Train the model
"""

seq_len = 160  # harness: output_sequence_length 200
x_train = rng.randint(0, len(voc), size=(48, seq_len)).astype("int32")
y_train = rng.randint(0, len(class_names), size=(48,))
x_val = rng.randint(0, len(voc), size=(16, seq_len)).astype("int32")
y_val = rng.randint(0, len(class_names), size=(16,))

model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["acc"])
h = model.fit(x_train, y_train, batch_size=16, epochs=2, validation_data=(x_val, y_val),
              shuffle=False, verbose=0)  # harness: batch 128, 20 epochs
RESULTS["hist_keys"] = sorted(h.history)
for k, v in h.history.items():
    RESULTS["hist_" + k] = v
RESULTS["embedding_unchanged"] = int(np.array_equal(embedding_layer.get_weights()[0],
                                                    embedding_matrix.astype("float32")))

"""
## Export an end-to-end model
"""

int_input = keras.Input(shape=(None,), dtype="int32")  # harness: string input + vectorizer
preds = model(int_input)
end_to_end_model = keras.Model(int_input, preds)

probabilities = end_to_end_model(x_val[:3])
RESULTS["end_to_end_probabilities"] = keras.ops.convert_to_numpy(probabilities)
RESULTS["end_to_end_class"] = [class_names[int(i)] for i in
                               keras.ops.convert_to_numpy(keras.ops.argmax(probabilities, axis=1))]
RESULTS["longer_sequence"] = keras.ops.convert_to_numpy(end_to_end_model(x_val[:1, :]))
RESULTS["evaluate"] = model.evaluate(x_val, y_val, verbose=0)
