"""Keras 2 examples/lstm_text_generation.py: a character-level LSTM generating text (synthetic corpus)."""
from __future__ import print_function

import sys

import numpy as np

from keras.callbacks import LambdaCallback
from keras.models import Sequential
from keras.layers import Dense
from keras.layers import LSTM
from keras.optimizers import RMSprop

# a small synthetic corpus instead of Nietzsche's writings (no download)
rng = np.random.RandomState(0)
words = ['the', 'will', 'to', 'power', 'is', 'truth', 'and', 'life', 'of', 'man']
text = ' '.join(words[i] for i in rng.randint(0, len(words), size=120)).lower()
print('corpus length:', len(text))

chars = sorted(list(set(text)))
print('total chars:', len(chars))
char_indices = dict((c, i) for i, c in enumerate(chars))
indices_char = dict((i, c) for i, c in enumerate(chars))

# cut the text in semi-redundant sequences of maxlen characters
maxlen = 20
step = 7
sentences = []
next_chars = []
for i in range(0, len(text) - maxlen, step):
    sentences.append(text[i: i + maxlen])
    next_chars.append(text[i + maxlen])
print('nb sequences:', len(sentences))

print('Vectorization...')
x = np.zeros((len(sentences), maxlen, len(chars)), dtype=bool)
y = np.zeros((len(sentences), len(chars)), dtype=bool)
for i, sentence in enumerate(sentences):
    for t, char in enumerate(sentence):
        x[i, t, char_indices[char]] = 1
    y[i, char_indices[next_chars[i]]] = 1

# build the model: a single LSTM
print('Build model...')
model = Sequential()
model.add(LSTM(32, input_shape=(maxlen, len(chars))))
model.add(Dense(len(chars), activation='softmax'))

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.1, w.shape).astype(w.dtype) for w in model.get_weights()])

# harness: the example wrote RMSprop(lr=0.01); Keras 2.15 only warns about `lr` and keeps
# its default 0.001, so the rate is spelled `learning_rate` for both libraries to train alike.
optimizer = RMSprop(learning_rate=0.01)
model.compile(loss='categorical_crossentropy', optimizer=optimizer)

# harness: a seeded RNG for the sampling (the example used the global np.random / random)
sample_rng = np.random.RandomState(2)


def sample(preds, temperature=1.0):
    # helper function to sample an index from a probability array
    preds = np.asarray(preds).astype('float64')
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    probas = sample_rng.multinomial(1, preds, 1)
    return np.argmax(probas)


generated_texts = []


def on_epoch_end(epoch, _):
    # Function invoked at end of each epoch. Prints generated text.
    print()
    print('----- Generating text after Epoch: %d' % epoch)

    start_index = sample_rng.randint(0, len(text) - maxlen - 1)
    for diversity in [0.2, 1.0]:
        print('----- diversity:', diversity)

        generated = ''
        sentence = text[start_index: start_index + maxlen]
        generated += sentence
        print('----- Generating with seed: "' + sentence + '"')
        sys.stdout.write(generated)

        for i in range(15):
            x_pred = np.zeros((1, maxlen, len(chars)))
            for t, char in enumerate(sentence):
                x_pred[0, t, char_indices[char]] = 1.

            preds = model.predict(x_pred, verbose=0)[0]
            next_index = sample(preds, diversity)
            next_char = indices_char[next_index]

            generated += next_char
            sentence = sentence[1:] + next_char

            sys.stdout.write(next_char)
            sys.stdout.flush()
        print()
        generated_texts.append(generated)


print_callback = LambdaCallback(on_epoch_end=on_epoch_end)

history = model.fit(x, y,
                    batch_size=32,
                    epochs=2,
                    shuffle=False,  # harness: same batches in both libraries
                    callbacks=[print_callback])

x_probe = np.zeros((1, maxlen, len(chars)))
for t, char in enumerate(text[:maxlen]):
    x_probe[0, t, char_indices[char]] = 1.

RESULTS = {
    'params': model.count_params(),
    'x_dtype': str(x.dtype),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'generated': generated_texts,
    'predict': model.predict(x_probe, verbose=0),
}
