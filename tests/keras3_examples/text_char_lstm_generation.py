"""keras.io examples/generative/lstm_character_level_text_generation.py (synthetic corpus)."""
import keras
from keras import layers

import numpy as np
import random

"""
## Prepare the data
"""

# harness: a synthetic corpus instead of nietzsche.txt
rng = np.random.RandomState(0)
words = ["the", "will", "power", "of", "truth", "is", "a", "free", "spirit", "and"]
text = " ".join(rng.choice(words) for _ in range(60)).lower()
text = text.replace("\n", " ")  # We remove newlines chars for nicer display
print("Corpus length:", len(text))

chars = sorted(list(set(text)))
print("Total chars:", len(chars))
char_indices = dict((c, i) for i, c in enumerate(chars))
indices_char = dict((i, c) for i, c in enumerate(chars))

# cut the text in semi-redundant sequences of maxlen characters
maxlen = 10  # harness: 40 in the original
step = 7  # harness: 3 in the original
sentences = []
next_chars = []
for i in range(0, len(text) - maxlen, step):
    sentences.append(text[i : i + maxlen])
    next_chars.append(text[i + maxlen])
print("Number of sequences:", len(sentences))

x = np.zeros((len(sentences), maxlen, len(chars)), dtype="bool")
y = np.zeros((len(sentences), len(chars)), dtype="bool")
for i, sentence in enumerate(sentences):
    for t, char in enumerate(sentence):
        x[i, t, char_indices[char]] = 1
    y[i, char_indices[next_chars[i]]] = 1


"""
## Build the model: a single LSTM layer
"""

model = keras.Sequential(
    [
        keras.Input(shape=(maxlen, len(chars))),
        layers.LSTM(32),  # harness: 128 in the original
        layers.Dense(len(chars), activation="softmax"),
    ]
)
optimizer = keras.optimizers.RMSprop(learning_rate=0.01)
model.compile(loss="categorical_crossentropy", optimizer=optimizer)

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])

"""
## Prepare the text sampling function
"""


def sample(preds, temperature=1.0):
    # helper function to sample an index from a probability array
    preds = np.asarray(preds).astype("float64")
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    probas = np.random.multinomial(1, preds, 1)
    return np.argmax(probas)


"""
## Train the model
"""

epochs = 2  # harness: 40 in the original
batch_size = 16  # harness: 128 in the original

np.random.seed(0)  # harness: the sampling draws equal in both runs
random.seed(0)  # harness
losses = []
generations = []
for epoch in range(epochs):
    history = model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False)  # harness: shuffle
    losses.append(history.history["loss"][0])
    print()
    print(f"Generating text after epoch: {epoch}")

    start_index = random.randint(0, len(text) - maxlen - 1)
    for diversity in [0.2, 1.0]:  # harness: [0.2, 0.5, 1.0, 1.2] in the original
        print("...Diversity:", diversity)

        generated = ""
        sentence = text[start_index : start_index + maxlen]
        print('...Generating with seed: "' + sentence + '"')

        for _ in range(6):  # harness: 400 characters in the original
            x_pred = np.zeros((1, maxlen, len(chars)))
            for t, char in enumerate(sentence):
                x_pred[0, t, char_indices[char]] = 1.0
            preds = model.predict(x_pred, verbose=0)[0]
            next_index = sample(preds, diversity)
            next_char = indices_char[next_index]
            sentence = sentence[1:] + next_char
            generated += next_char

        print("...Generated: ", generated)
        generations.append(generated)
        print()

x_pred = np.zeros((2, maxlen, len(chars)))
x_pred[:, np.arange(maxlen), np.arange(maxlen) % len(chars)] = 1.0
RESULTS = {
    "params": model.count_params(),
    "n_chars": len(chars),
    "losses": losses,
    "generations": generations,
    "predict": model.predict(x_pred, verbose=0),
    "optimizer_config_lr": float(model.optimizer.get_config()["learning_rate"]),
    "optimizer_iterations": int(model.optimizer.iterations.numpy()),
}
