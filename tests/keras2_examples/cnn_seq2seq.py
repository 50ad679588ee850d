"""Keras 2 examples/cnn_seq2seq.py: character-level seq2seq with causal, dilated Conv1D and attention."""
from __future__ import print_function

import numpy as np

from keras.models import Model, load_model
from keras.layers import Input, Convolution1D, Dot, Dense, Activation, Concatenate

batch_size = 4  # Batch size for training.
epochs = 2  # Number of epochs to train for.
num_samples = 12  # Number of samples to train on.

# Vectorize the data: a few English -> French-like pairs written here
# (the example read fra-eng/fra.txt; no download).
lines = ['Go.\tVa !', 'Hi.\tSalut !', 'Run!\tCours !', 'Wow!\tCa alors !',
         'Fire!\tAu feu !', 'Help!\tA l\'aide !', 'Stop!\tArrete !', 'Wait!\tAttends !',
         'Hello!\tBonjour !', 'I see.\tJe vois.', 'I try.\tJ\'essaye.', 'Smile.\tSouriez !']
input_texts = []
target_texts = []
input_characters = set()
target_characters = set()
for line in lines[: min(num_samples, len(lines) - 1)]:
    input_text, target_text = line.split('\t')
    # We use "tab" as the "start sequence" character
    # for the targets, and "\n" as "end sequence" character.
    target_text = '\t' + target_text + '\n'
    input_texts.append(input_text)
    target_texts.append(target_text)
    for char in input_text:
        if char not in input_characters:
            input_characters.add(char)
    for char in target_text:
        if char not in target_characters:
            target_characters.add(char)

input_characters = sorted(list(input_characters))
target_characters = sorted(list(target_characters))
num_encoder_tokens = len(input_characters)
num_decoder_tokens = len(target_characters)
max_encoder_seq_length = max([len(txt) for txt in input_texts])
max_decoder_seq_length = max([len(txt) for txt in target_texts])

print('Number of samples:', len(input_texts))
print('Number of unique input tokens:', num_encoder_tokens)
print('Number of unique output tokens:', num_decoder_tokens)
print('Max sequence length for inputs:', max_encoder_seq_length)
print('Max sequence length for outputs:', max_decoder_seq_length)

input_token_index = dict(
    [(char, i) for i, char in enumerate(input_characters)])
target_token_index = dict(
    [(char, i) for i, char in enumerate(target_characters)])

encoder_input_data = np.zeros(
    (len(input_texts), max_encoder_seq_length, num_encoder_tokens),
    dtype='float32')
decoder_input_data = np.zeros(
    (len(input_texts), max_decoder_seq_length, num_decoder_tokens),
    dtype='float32')
decoder_target_data = np.zeros(
    (len(input_texts), max_decoder_seq_length, num_decoder_tokens),
    dtype='float32')

for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts)):
    for t, char in enumerate(input_text):
        encoder_input_data[i, t, input_token_index[char]] = 1.
    for t, char in enumerate(target_text):
        # decoder_target_data is ahead of decoder_input_data by one timestep
        decoder_input_data[i, t, target_token_index[char]] = 1.
        if t > 0:
            # decoder_target_data will be ahead by one timestep
            # and will not include the start character.
            decoder_target_data[i, t - 1, target_token_index[char]] = 1.

# Define an input sequence and process it.
encoder_inputs = Input(shape=(None, num_encoder_tokens))
# Encoder
x_encoder = Convolution1D(16, kernel_size=3, activation='relu',
                          padding='causal')(encoder_inputs)
x_encoder = Convolution1D(16, kernel_size=3, activation='relu',
                          padding='causal', dilation_rate=2)(x_encoder)
x_encoder = Convolution1D(16, kernel_size=3, activation='relu',
                          padding='causal', dilation_rate=4)(x_encoder)

decoder_inputs = Input(shape=(None, num_decoder_tokens))
# As in the encoder, we use the causal padding and dilation rates
x_decoder = Convolution1D(16, kernel_size=3, activation='relu',
                          padding='causal')(decoder_inputs)
x_decoder = Convolution1D(16, kernel_size=3, activation='relu',
                          padding='causal', dilation_rate=2)(x_decoder)
x_decoder = Convolution1D(16, kernel_size=3, activation='relu',
                          padding='causal', dilation_rate=4)(x_decoder)
# Attention
attention = Dot(axes=[2, 2])([x_decoder, x_encoder])
attention = Activation('softmax')(attention)

context = Dot(axes=[2, 1])([attention, x_encoder])
decoder_combined_context = Concatenate(axis=-1)([context, x_decoder])

decoder_outputs = Convolution1D(8, kernel_size=3, activation='relu',
                                padding='causal')(decoder_combined_context)
decoder_outputs = Convolution1D(8, kernel_size=3, activation='relu',
                                padding='causal')(decoder_outputs)
# Output
decoder_dense = Dense(num_decoder_tokens, activation='softmax')
decoder_outputs = decoder_dense(decoder_outputs)

# Define the model that will turn
# `encoder_input_data` & `decoder_input_data` into `decoder_target_data`
model = Model([encoder_inputs, decoder_inputs], decoder_outputs)
model.summary()

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])

# Run training
model.compile(optimizer='adam', loss='categorical_crossentropy')
initial_probabilities = model.predict([encoder_input_data[:2], decoder_input_data[:2]])  # harness
history = model.fit([encoder_input_data, decoder_input_data], decoder_target_data,
                    batch_size=batch_size,
                    epochs=epochs,
                    validation_split=0.2,
                    shuffle=False)  # harness: shuffle=False (the example shuffled)
# Save model
model.save('cnn_s2s.h5')

# Next: inference mode (sampling).

# Define sampling models
reverse_input_char_index = dict(
    (i, char) for char, i in input_token_index.items())
reverse_target_char_index = dict(
    (i, char) for char, i in target_token_index.items())

nb_examples = 4
in_encoder = encoder_input_data[:nb_examples]
out_decoder = np.zeros(
    (len(in_encoder), max_decoder_seq_length, num_decoder_tokens),
    dtype='float32')

out_decoder[:, 0, target_token_index["\t"]] = 1.

predict = np.zeros(
    (len(in_encoder), max_decoder_seq_length),
    dtype='float32')

for i in range(max_decoder_seq_length - 1):
    predict = model.predict([in_encoder, out_decoder])
    predict = predict.argmax(axis=-1)
    predict_ = predict[:, i].ravel().tolist()
    for j, x in enumerate(predict_):
        out_decoder[j, i + 1, x] = 1.

decoded_sentences = []
for seq_index in range(nb_examples):
    # Take one sequence (part of the training set)
    # for trying out decoding.
    output_seq = predict[seq_index, :].ravel().tolist()
    decoded = []
    for x in output_seq:
        if reverse_target_char_index[x] == "\n":
            break
        else:
            decoded.append(reverse_target_char_index[x])
    decoded_sentence = "".join(decoded)
    decoded_sentences.append(decoded_sentence)
    print('-')
    print('Input sentence:', input_texts[seq_index])
    print('Decoded sentence:', decoded_sentence)

reloaded = load_model('cnn_s2s.h5')

# harness: Keras 2 runs categorical_crossentropy on a softmax output through TF's
# softmax_cross_entropy_with_logits, whose gradient is `softmax - target` even where
# the target row is all zeros (the padding steps of decoder_target_data); Keras 3 on
# torch (and keraton) differentiate -sum(target * log(p)), zero there. Equal losses,
# different updates: so the trained numbers are compared only for the first epoch
# (where they still agree to 1e-4), and the later ones only with themselves.
probabilities = model.predict([in_encoder, out_decoder])
RESULTS = {
    'params': model.count_params(),
    'num_tokens': [num_encoder_tokens, num_decoder_tokens,
                   max_encoder_seq_length, max_decoder_seq_length],
    'history_keys': sorted(history.history),
    'initial_probabilities': initial_probabilities,
    'first_epoch_loss': history.history['loss'][0],
    'predict_shape': predict.shape,
    'decoded_count': len(decoded_sentences),
    'reloaded_equal': bool(np.allclose(reloaded.predict([in_encoder, out_decoder]), probabilities,
                                       atol=1e-6)),
}
