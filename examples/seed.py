"""The seed program of keras-summary.md, unchanged but for `import keraton` and `tf.keras` -> `keraton`."""
import keraton
import numpy as np

#dataSet 설정
x_train = [1,2,3,4]
y_train = [1,2,3,4]

#Model 구성
model = keraton.models.Sequential()
  #units == output shape, input_dim = input shape
model.add(keraton.layers.Dense(units=1, input_dim=1)) #add로 layer쌓기

#Model의 학습과정 설정
  #mse = mean square error
  #sgd = stadard gradient descent
sgd = keraton.optimizers.SGD(lr=0.1)
model.compile(loss='mse', optimizer=sgd, metrics=['accuracy'])

#Model 학습
train = model.fit(x_train, y_train, epochs=100)

#Model 학습 과정 보기
print("##training loss and acc##")
print(train.history['loss'])
print(train.history['accuracy'])

#Model평가
print("##evaluation##")
eva = model.evaluate(x_train, y_train)
print(eva)

#Model 예측
print("##y_test##")
y_test = model.predict(np.array([4,6,7]))
print(y_test)
