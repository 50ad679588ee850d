"""Keras 2 examples/imdb_fasttext.py: fastText-style bigram classifier (synthetic IMDB-shaped data)."""
from __future__ import print_function

import numpy as np

from keras.preprocessing import sequence
from keras.models import Sequential
from keras.layers import Dense
from keras.layers import Embedding
from keras.layers import GlobalAveragePooling1D


def create_ngram_set(input_list, ngram_value=2):
    """Set of the n-grams (tuples of ngram_value consecutive tokens) of a list of integers."""
    return set(zip(*[input_list[i:] for i in range(ngram_value)]))


def add_ngram(sequences, token_indice, ngram_range=2):
    """Append to each sequence the token ids of its n-grams (2..ngram_range) known to token_indice."""
    new_sequences = []
    for input_list in sequences:
        new_list = input_list[:]
        for ngram_value in range(2, ngram_range + 1):
            for i in range(len(new_list) - ngram_value + 1):
                ngram = tuple(new_list[i:i + ngram_value])
                if ngram in token_indice:
                    new_list.append(token_indice[ngram])
        new_sequences.append(new_list)
    return new_sequences


# Set parameters:
# ngram_range = 2 will add bi-grams features
ngram_range = 2
max_features = 30
maxlen = 40
batch_size = 8
embedding_dims = 10
epochs = 2

print('Loading data...')
rng = np.random.RandomState(0)


def synthetic_reviews(count):
    # plain int lists (as the helpers above expect); a small vocabulary so bigrams repeat
    reviews = [[int(t) for t in rng.randint(1, max_features, size=rng.randint(5, 20))]
               for _ in range(count)]
    # labels follow the words (mostly high indices = positive), so there is something to learn
    return np.array(reviews, dtype=object), np.array([int(np.mean(r) > max_features / 2) for r in reviews])


(x_train, y_train), (x_test, y_test) = synthetic_reviews(24), synthetic_reviews(16)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')
print('Average train sequence length: {}'.format(
    np.mean(list(map(len, x_train)), dtype=int)))
print('Average test sequence length: {}'.format(
    np.mean(list(map(len, x_test)), dtype=int)))

if ngram_range > 1:
    print('Adding {}-gram features'.format(ngram_range))
    # Create set of unique n-gram from the training set.
    ngram_set = set()
    for input_list in x_train:
        for i in range(2, ngram_range + 1):
            set_of_ngram = create_ngram_set(input_list, ngram_value=i)
            ngram_set.update(set_of_ngram)

    # Dictionary mapping n-gram token to a unique integer.
    # Integer values are greater than max_features in order
    # to avoid collision with existing features.
    start_index = max_features + 1
    # harness: sorted() so the ids do not depend on set order
    token_indice = {v: k + start_index for k, v in enumerate(sorted(ngram_set))}
    indice_token = {token_indice[k]: k for k in token_indice}

    # max_features is the highest integer that could be found in the dataset.
    max_features = np.max(list(indice_token.keys())) + 1

    # Augmenting x_train and x_test with n-grams features
    x_train = add_ngram(x_train, token_indice, ngram_range)
    x_test = add_ngram(x_test, token_indice, ngram_range)
    print('Average train sequence length: {}'.format(
        np.mean(list(map(len, x_train)), dtype=int)))
    print('Average test sequence length: {}'.format(
        np.mean(list(map(len, x_test)), dtype=int)))

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Build model...')
model = Sequential()

# we start off with an efficient embedding layer which maps
# our vocab indices into embedding_dims dimensions
model.add(Embedding(max_features,
                    embedding_dims,
                    input_length=maxlen))

# we add a GlobalAveragePooling1D, which will average the embeddings
# of all words in the document
model.add(GlobalAveragePooling1D())

# We project onto a single unit output layer, and squash it with a sigmoid:
model.add(Dense(1, activation='sigmoid'))

# harness: equal initial weights in both libraries (wide enough that predictions differ per review)
model.build((None, maxlen))
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=2,
                    shuffle=False,
                    validation_data=(x_test, y_test))

RESULTS = {
    'max_features': max_features,
    'x_train_padded': x_train,
    'embedding_config': [model.layers[0].get_config()['input_dim'], model.layers[0].get_config()['output_dim']],
    'params': model.count_params(),
    'output_shapes': [str(layer.output_shape) for layer in model.layers],
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'score': model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0),
    'predict': model.predict(x_test[:4], verbose=0),
}
