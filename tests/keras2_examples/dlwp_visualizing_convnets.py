"""Deep Learning with Python (1st edition, Keras 2), 5.4: visualizing what convnets learn.

Intermediate activations through a multi-output model, filter patterns by
gradient ascent in input space (``K.gradients`` and ``K.function`` on VGG16's
symbolic tensors) and a Grad-CAM class activation map.  VGG16 comes without its
ImageNet weights (no download) on 32x32 images; the Grad-CAM part uses a small
convnet instead of VGG16's 138M-parameter classifier.
"""
# harness: graph mode (Keras 2 ran K.gradients in TensorFlow 1's graphs; the fixture maker
# disables TensorFlow 2's eager execution for this program)
import numpy as np

from keras import backend as K
from keras import layers, models
from keras.applications import VGG16


def equal_weights(model, seed):
    # harness: equal (He-scaled) weights in both libraries instead of the ImageNet ones
    rng = np.random.RandomState(seed)
    weights = []
    for w in model.get_weights():
        fan_in = np.prod(w.shape[:-1]) if w.ndim > 1 else 1
        weights.append((rng.normal(0, np.sqrt(2.0 / fan_in), w.shape) if w.ndim > 1
                        else np.zeros(w.shape)).astype('float32'))
    model.set_weights(weights)


size = 32  # harness: 150 in the book
model = VGG16(weights=None, include_top=False, input_shape=(size, size, 3))
equal_weights(model, 0)

# 5.4.1: the activations of the first layers for one picture.
img_tensor = np.random.RandomState(1).random_sample((1, size, size, 3)).astype('float32')
layer_outputs = [layer.output for layer in model.layers[1:5]]
activation_model = models.Model(inputs=model.input, outputs=layer_outputs)
activations = activation_model.predict(img_tensor)
first_layer_activation = activations[0]
print(first_layer_activation.shape)

# 5.4.2: the input that maximizes a filter's mean activation.
layer_name = 'block3_conv1'
filter_index = 0

layer_output = model.get_layer(layer_name).output
loss = K.mean(layer_output[:, :, :, filter_index])
grads = K.gradients(loss, model.input)[0]
grads /= (K.sqrt(K.mean(K.square(grads))) + 1e-5)
iterate = K.function([model.input], [loss, grads])
loss_value, grads_value = iterate([np.zeros((1, size, size, 3))])
picture_loss, picture_grads = iterate([img_tensor])  # harness: zeros give zero gradients here


def deprocess_image(x):
    x -= x.mean()
    x /= (x.std() + 1e-5)
    x *= 0.1
    x += 0.5
    x = np.clip(x, 0, 1)
    x *= 255
    x = np.clip(x, 0, 255).astype('uint8')
    return x


def generate_pattern(layer_name, filter_index, size=size, steps=10):  # harness: 40 steps
    layer_output = model.get_layer(layer_name).output
    loss = K.mean(layer_output[:, :, :, filter_index])
    grads = K.gradients(loss, model.input)[0]
    grads /= (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    iterate = K.function([model.input], [loss, grads])
    # harness: a seeded generator instead of np.random.random
    input_img_data = np.random.RandomState(filter_index).random_sample((1, size, size, 3)) * 20 + 128.
    step = 1.
    losses = []
    for i in range(steps):
        loss_value, grads_value = iterate([input_img_data])
        input_img_data += grads_value * step
        losses.append(loss_value)
    img = input_img_data[0]
    return deprocess_image(img), losses


pattern, pattern_losses = generate_pattern('block1_conv1', 0)
pattern2, pattern2_losses = generate_pattern('block2_conv1', 3)

# 5.4.3: Grad-CAM, the class activation heatmap of a picture.
classifier = models.Sequential()
classifier.add(layers.Conv2D(8, 3, activation='relu', input_shape=(16, 16, 3)))
classifier.add(layers.Conv2D(16, 3, activation='relu', name='last_conv'))
classifier.add(layers.GlobalAveragePooling2D())
classifier.add(layers.Dense(4, activation='softmax'))
equal_weights(classifier, 2)
x = np.random.RandomState(3).random_sample((1, 16, 16, 3)).astype('float32')
preds = classifier.predict(x)
class_index = int(np.argmax(preds[0]))

class_output = classifier.output[:, class_index]
last_conv_layer = classifier.get_layer('last_conv')
grads = K.gradients(class_output, last_conv_layer.output)[0]
pooled_grads = K.mean(grads, axis=(0, 1, 2))
iterate = K.function([classifier.input], [pooled_grads, last_conv_layer.output[0]])
pooled_grads_value, conv_layer_output_value = iterate([x])
for i in range(16):
    conv_layer_output_value[:, :, i] *= pooled_grads_value[i]
heatmap = np.mean(conv_layer_output_value, axis=-1)
heatmap = np.maximum(heatmap, 0)
heatmap /= np.max(heatmap)

RESULTS = {
    'activation_shapes': [a.shape for a in activations],
    'first_activation': first_layer_activation[0, :4, :4, :4],
    'block3_loss_at_zero': loss_value,
    'block3_loss': picture_loss,
    'block3_grads': picture_grads[0, :4, :4, :],
    'pattern_losses': pattern_losses,
    'pattern': pattern[:6, :6, :].astype('float32'),
    'pattern2_losses': pattern2_losses,
    'preds': preds,
    'pooled_grads': pooled_grads_value,
    'heatmap': heatmap,
}
RTOL, ATOL = 1e-3, 1e-4
