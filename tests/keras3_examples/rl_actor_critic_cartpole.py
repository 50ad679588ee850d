"""keras.io example "Actor Critic Method" (examples/rl/actor_critic_cartpole.py).

The example's two-headed functional model (softmax actor, linear critic on a
shared ``Dense``), ``keras.losses.Huber``, eager per-timestep calls of the
model on ``ops.expand_dims`` of the state, ``ops.log`` of an indexed
probability, discounted normalised returns, and the summed actor + critic
loss. The ``tf.GradientTape`` update is written the torch way
(``model.zero_grad()``, ``loss.backward()``, ``v.value.grad``,
``optimizer.apply`` under ``torch.no_grad()``), as keras.io's torch guides do.
Gym's CartPole is replaced by a deterministic numpy stub with CartPole's
dynamics; actions are sampled from a seeded numpy stream (``# harness:``).
"""

import numpy as np
import torch
import keras
from keras import ops
from keras import layers

RESULTS = {}

# Configuration parameters for the whole setup
seed = 42
gamma = 0.99  # Discount factor for past rewards
max_steps_per_episode = 25  # harness: 10000
eps = np.finfo(np.float32).eps.item()  # Smallest number such that 1.0 + eps != 1.0


class CartPoleStub:  # harness: gym.make("CartPole-v0") stand-in with CartPole's equations
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02

    def __init__(self, seed):
        self.rs = np.random.RandomState(seed)

    def reset(self):
        self.state = self.rs.uniform(-0.05, 0.05, size=(4,))
        return self.state.astype("float32"), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta, sintheta = np.cos(theta), np.sin(theta)
        total_mass = self.masspole + self.masscart
        polemass_length = self.masspole * self.length
        temp = (force + polemass_length * theta_dot**2 * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta**2 / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * xacc
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * thetaacc
        self.state = np.array([x, x_dot, theta, theta_dot])
        done = bool(abs(x) > 2.4 or abs(theta) > 12 * 2 * np.pi / 360)
        return self.state.astype("float32"), 1.0, done, False, {}


env = CartPoleStub(seed)  # Create the environment
sampler = np.random.RandomState(seed)  # harness: np.random.choice -> seeded stream

"""
## Implement Actor Critic network
"""

num_inputs = 4
num_actions = 2
num_hidden = 16  # harness: 128

inputs = layers.Input(shape=(num_inputs,))
common = layers.Dense(num_hidden, activation="relu")(inputs)
action = layers.Dense(num_actions, activation="softmax")(common)
critic = layers.Dense(1)(common)

model = keras.Model(inputs=inputs, outputs=[action, critic])
rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
model.set_weights([rs.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])
RESULTS["params"] = model.count_params()
RESULTS["output_shapes"] = str([tuple(t.shape) for t in model.outputs])

"""
## Train
"""

optimizer = keras.optimizers.Adam(learning_rate=0.01)
huber_loss = keras.losses.Huber()
action_probs_history = []
critic_value_history = []
rewards_history = []
running_reward = 0
episode_count = 0
episode_rewards, loss_values, first_probs = [], [], []

for _ in range(4):  # harness: `while True:` until solved
    state = env.reset()[0]
    episode_reward = 0
    model.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
    for timestep in range(1, max_steps_per_episode):
        state = ops.convert_to_tensor(state)
        state = ops.expand_dims(state, 0)

        # Predict action probabilities and estimated future rewards
        # from environment state
        action_probs, critic_value = model(state)
        critic_value_history.append(critic_value[0, 0])

        # Sample action from action probability distribution
        action = sampler.choice(num_actions, p=np.squeeze(ops.convert_to_numpy(action_probs)))  # harness:
        action_probs_history.append(ops.log(action_probs[0, action]))

        # Apply the sampled action in our environment
        state, reward, done, *_ = env.step(action)
        rewards_history.append(reward)
        episode_reward += reward

        if done:
            break

    # Update running reward to check condition for solving
    running_reward = 0.05 * episode_reward + (1 - 0.05) * running_reward

    # Calculate expected value from rewards
    returns = []
    discounted_sum = 0
    for r in rewards_history[::-1]:
        discounted_sum = r + gamma * discounted_sum
        returns.insert(0, discounted_sum)

    # Normalize
    returns = np.array(returns)
    returns = (returns - np.mean(returns)) / (np.std(returns) + eps)
    returns = returns.tolist()

    # Calculating loss values to update our network
    history = zip(action_probs_history, critic_value_history, returns)
    actor_losses = []
    critic_losses = []
    for log_prob, value, ret in history:
        diff = ret - value
        actor_losses.append(-log_prob * diff)  # actor loss

        critic_losses.append(
            huber_loss(ops.expand_dims(value, 0), ops.expand_dims(ret, 0))
        )

    # Backpropagation
    loss_value = sum(actor_losses) + sum(critic_losses)
    loss_value.backward()  # torch: instead of tape.gradient
    grads = [v.value.grad for v in model.trainable_weights]
    with torch.no_grad():
        optimizer.apply(grads, model.trainable_weights)

    # Clear the loss and reward history
    action_probs_history.clear()
    critic_value_history.clear()
    rewards_history.clear()

    episode_count += 1
    episode_rewards.append(episode_reward)
    loss_values.append(float(ops.convert_to_numpy(loss_value)))
    first_probs.append(ops.convert_to_numpy(model(ops.expand_dims(env.reset()[0], 0))[0])[0])

RESULTS["episode_rewards"] = episode_rewards
RESULTS["running_reward"] = running_reward
RESULTS["loss_values"] = loss_values
RESULTS["probs_after_update"] = np.array(first_probs)
RESULTS["optimizer_iterations"] = int(optimizer.iterations)
RESULTS["kernel_slice"] = model.get_weights()[0][:, :4]
RESULTS["critic_bias"] = model.get_weights()[-1]
RESULTS["huber"] = float(huber_loss(ops.expand_dims(0.3, 0), ops.expand_dims(2.0, 0)))
RTOL, ATOL = 1e-4, 1e-5
