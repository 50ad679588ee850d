"""Keras 2 examples/pretrained_word_embeddings.py: a 1D convnet over frozen pre-trained word vectors.

Synthetic "newsgroup" texts and synthetic "GloVe" vectors stand in for the
20 Newsgroups corpus and glove.6B.100d.txt (no download).
"""
from __future__ import print_function

import numpy as np

from keras.preprocessing.text import Tokenizer
from keras.preprocessing.sequence import pad_sequences
from keras.utils import to_categorical
from keras.layers import Dense, Input, GlobalMaxPooling1D
from keras.layers import Conv1D, MaxPooling1D, Embedding
from keras.models import Model

MAX_SEQUENCE_LENGTH = 150
MAX_NUM_WORDS = 24
EMBEDDING_DIM = 8
VALIDATION_SPLIT = 0.2

rng = np.random.RandomState(0)
vocabulary = ['word%d' % i for i in range(30)]

# first, build index mapping words in the embeddings set
# to their embedding vector (lines of a synthetic glove file, parsed as the example did)
print('Indexing word vectors.')
glove_lines = ['%s %s' % (word, ' '.join('%.4f' % v for v in rng.normal(0, 1, EMBEDDING_DIM)))
               for word in vocabulary[:26]]
embeddings_index = {}
for line in glove_lines:
    word, coefs = line.split(maxsplit=1)
    coefs = np.asarray(coefs.split(), dtype='float32')
    embeddings_index[word] = coefs
print('Found %s word vectors.' % len(embeddings_index))

# second, prepare text samples and their labels
print('Processing text dataset')
texts = []  # list of text samples
labels_index = {}  # dictionary mapping label name to numeric id
labels = []  # list of label ids
for name in ['alt.atheism', 'comp.graphics', 'sci.space']:
    label_id = len(labels_index)
    labels_index[name] = label_id
    for _ in range(10):
        n_words = rng.randint(20, 200)
        words = rng.choice(vocabulary, size=n_words, p=np.roll(np.linspace(1, 3, 30), 10 * label_id) / 60.)
        texts.append(' '.join(words) + '.')
        labels.append(label_id)
print('Found %s texts.' % len(texts))

# finally, vectorize the text samples into a 2D integer tensor
tokenizer = Tokenizer(num_words=MAX_NUM_WORDS)
tokenizer.fit_on_texts(texts)
sequences = tokenizer.texts_to_sequences(texts)

word_index = tokenizer.word_index
print('Found %s unique tokens.' % len(word_index))

data = pad_sequences(sequences, maxlen=MAX_SEQUENCE_LENGTH)

labels = to_categorical(np.asarray(labels))
print('Shape of data tensor:', data.shape)
print('Shape of label tensor:', labels.shape)

# split the data into a training set and a validation set
indices = np.arange(data.shape[0])
rng.shuffle(indices)
data = data[indices]
labels = labels[indices]
num_validation_samples = int(VALIDATION_SPLIT * data.shape[0])

x_train = data[:-num_validation_samples]
y_train = labels[:-num_validation_samples]
x_val = data[-num_validation_samples:]
y_val = labels[-num_validation_samples:]

print('Preparing embedding matrix.')

# prepare embedding matrix
num_words = min(MAX_NUM_WORDS, len(word_index) + 1)
embedding_matrix = np.zeros((num_words, EMBEDDING_DIM))
for word, i in word_index.items():
    if i >= MAX_NUM_WORDS:
        continue
    embedding_vector = embeddings_index.get(word)
    if embedding_vector is not None:
        # words not found in embedding index will be all-zeros.
        embedding_matrix[i] = embedding_vector

# load pre-trained word embeddings into an Embedding layer
# note that we set trainable = False so as to keep the embeddings fixed
embedding_layer = Embedding(num_words,
                            EMBEDDING_DIM,
                            weights=[embedding_matrix],
                            input_length=MAX_SEQUENCE_LENGTH,
                            trainable=False)

print('Training model.')

# train a 1D convnet with global maxpooling
sequence_input = Input(shape=(MAX_SEQUENCE_LENGTH,), dtype='int32')
embedded_sequences = embedding_layer(sequence_input)
x = Conv1D(8, 5, activation='relu')(embedded_sequences)
x = MaxPooling1D(5)(x)
x = Conv1D(8, 5, activation='relu')(x)
x = MaxPooling1D(5)(x)
x = Conv1D(8, 5, activation='relu')(x)
x = GlobalMaxPooling1D()(x)
x = Dense(8, activation='relu')(x)
preds = Dense(len(labels_index), activation='softmax')(x)

model = Model(sequence_input, preds)

# harness: equal initial weights in both libraries (all layers but the pre-trained embedding)
seeded = np.random.RandomState(1)
for layer in model.layers:
    if layer is not embedding_layer:
        layer.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in layer.get_weights()])

model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['acc'])
model.summary()

history = model.fit(x_train, y_train,
                    batch_size=8,
                    epochs=2,
                    shuffle=False,  # harness: same batches in both libraries
                    validation_data=(x_val, y_val))

RESULTS = {
    'params': model.count_params(),
    'trainable_weights': len(model.trainable_weights),
    'non_trainable_weights': len(model.non_trainable_weights),
    'word_index_size': len(word_index),
    'top_words': sorted(word_index, key=word_index.get)[:5],
    'sequence_0': sequences[0][:10],
    'data_head': data[:2, -10:],
    'embedding_unchanged': np.array_equal(embedding_layer.get_weights()[0],
                                          embedding_matrix.astype('float32')),
    'embedding_output_shape': list(embedding_layer.output_shape[1:]),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'acc': history.history['acc'],
    'val_acc': history.history['val_acc'],
    'score': model.evaluate(x_val, y_val, verbose=0),
    'predict': model.predict(x_val[:3], verbose=0),
}
