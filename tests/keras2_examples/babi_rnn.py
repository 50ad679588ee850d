"""Keras 2 examples/babi_rnn.py: two recurrent encoders answering bAbI questions (synthetic task 1)."""
from __future__ import print_function
from functools import reduce
import io
import re

import numpy as np

from keras.layers import Embedding
from keras import layers
from keras.models import Model
from keras.preprocessing.sequence import pad_sequences

from _babi_data import babi_lines


def tokenize(sent):
    '''Return the tokens of a sentence including punctuation.

    >>> tokenize('Bob dropped the apple. Where is the apple?')
    ['Bob', 'dropped', 'the', 'apple', '.', 'Where', 'is', 'the', 'apple', '?']
    '''
    return [x.strip() for x in re.split(r'(\W+)', sent) if x.strip()]


def parse_stories(lines, only_supporting=False):
    '''Parse stories provided in the bAbi tasks format

    If only_supporting is true,
    only the sentences that support the answer are kept.
    '''
    data = []
    story = []
    for line in lines:
        line = line.decode('utf-8').strip()
        nid, line = line.split(' ', 1)
        nid = int(nid)
        if nid == 1:
            story = []
        if '\t' in line:
            q, a, supporting = line.split('\t')
            q = tokenize(q)
            if only_supporting:
                # Only select the related substory
                supporting = map(int, supporting.split())
                substory = [story[i - 1] for i in supporting]
            else:
                # Provide all the substories
                substory = [x for x in story if x]
            data.append((substory, q, a))
            story.append('')
        else:
            sent = tokenize(line)
            story.append(sent)
    return data


def get_stories(f, only_supporting=False, max_length=None):
    '''Given a file name, read the file, retrieve the stories,
    and then convert the sentences into a single story.

    If max_length is supplied,
    any stories longer than max_length tokens will be discarded.
    '''
    data = parse_stories(f.readlines(), only_supporting=only_supporting)
    flatten = lambda data: reduce(lambda x, y: x + y, data)
    data = [(flatten(story), q, answer) for story, q, answer in data
            if not max_length or len(flatten(story)) < max_length]
    return data


def vectorize_stories(data, word_idx, story_maxlen, query_maxlen):
    xs = []
    xqs = []
    ys = []
    for story, query, answer in data:
        x = [word_idx[w] for w in story]
        xq = [word_idx[w] for w in query]
        # let's not forget that index 0 is reserved
        y = np.zeros(len(word_idx) + 1)
        y[word_idx[answer]] = 1
        xs.append(x)
        xqs.append(xq)
        ys.append(y)
    return (pad_sequences(xs, maxlen=story_maxlen),
            pad_sequences(xqs, maxlen=query_maxlen), np.array(ys))


# The example's `recurrent.LSTM` (keras.layers.recurrent) no longer exists in Keras 2.15.
RNN = layers.LSTM
EMBED_HIDDEN_SIZE = 8
SENT_HIDDEN_SIZE = 16
QUERY_HIDDEN_SIZE = 16
BATCH_SIZE = 8
EPOCHS = 2
print('RNN / Embed / Sent / Query = {}, {}, {}, {}'.format(RNN,
                                                           EMBED_HIDDEN_SIZE,
                                                           SENT_HIDDEN_SIZE,
                                                           QUERY_HIDDEN_SIZE))

# Synthetic stand-ins for the tar members tasks_1-20_v1-2/en/qa1_single-supporting-fact_{train,test}.txt
train = get_stories(io.BytesIO(b''.join(babi_lines(16, seed=0))))
test = get_stories(io.BytesIO(b''.join(babi_lines(6, seed=1))))

vocab = set()
for story, q, answer in train + test:
    vocab |= set(story + q + [answer])
vocab = sorted(vocab)

# Reserve 0 for masking via pad_sequences
vocab_size = len(vocab) + 1
word_idx = dict((c, i + 1) for i, c in enumerate(vocab))
story_maxlen = max(map(len, (x for x, _, _ in train + test)))
query_maxlen = max(map(len, (x for _, x, _ in train + test)))

x, xq, y = vectorize_stories(train, word_idx, story_maxlen, query_maxlen)
tx, txq, ty = vectorize_stories(test, word_idx, story_maxlen, query_maxlen)

print('vocab = {}'.format(vocab))
print('x.shape = {}'.format(x.shape))
print('xq.shape = {}'.format(xq.shape))
print('y.shape = {}'.format(y.shape))
print('story_maxlen, query_maxlen = {}, {}'.format(story_maxlen, query_maxlen))

print('Build model...')

sentence = layers.Input(shape=(story_maxlen,), dtype='int32')
encoded_sentence = Embedding(vocab_size, EMBED_HIDDEN_SIZE)(sentence)
encoded_sentence = layers.Dropout(0.0)(encoded_sentence)  # harness: rate 0.3 -> 0.0

question = layers.Input(shape=(query_maxlen,), dtype='int32')
encoded_question = Embedding(vocab_size, EMBED_HIDDEN_SIZE)(question)
encoded_question = layers.Dropout(0.0)(encoded_question)  # harness: rate 0.3 -> 0.0
encoded_question = RNN(EMBED_HIDDEN_SIZE)(encoded_question)
encoded_question = layers.RepeatVector(story_maxlen)(encoded_question)

merged = layers.add([encoded_sentence, encoded_question])
merged_shape = [int(d) for d in merged.shape[1:]]
merged = RNN(EMBED_HIDDEN_SIZE)(merged)
merged = layers.Dropout(0.0)(merged)  # harness: rate 0.3 -> 0.0
preds = layers.Dense(vocab_size, activation='softmax')(merged)

model = Model([sentence, question], preds)

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.2, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(optimizer='adam',
              loss='categorical_crossentropy',
              metrics=['accuracy'])

print('Training')
history = model.fit([x, xq], y,
                    batch_size=BATCH_SIZE,
                    epochs=EPOCHS,
                    shuffle=False,  # harness: same batches in both libraries
                    validation_split=0.05)
loss, acc = model.evaluate([tx, txq], ty,
                           batch_size=BATCH_SIZE)
print('Test loss / test accuracy = {:.4f} / {:.4f}'.format(loss, acc))

RESULTS = {
    'params': model.count_params(),
    'vocab': vocab,
    'shapes': [x.shape, xq.shape, y.shape, tx.shape],
    'first_story': train[0][0],
    'first_query': train[0][1],
    'merged_shape': merged_shape,
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'accuracy': history.history['accuracy'],
    'test': [loss, acc],
    'predict': model.predict([tx[:3], txq[:3]], verbose=0),
}
