"""``keras.visualization.plot_bounding_box_gallery``: images with true and predicted boxes, in a grid."""

from __future__ import annotations

import functools

import numpy as np

from keraton.visualization._common import check_batch, data_format_or_default, to_numpy
from keraton.visualization.draw_bounding_boxes import draw_bounding_boxes
from keraton.visualization.plot_image_gallery import import_pyplot, plot_image_gallery


def plot_bounding_box_gallery(images, bounding_box_format, y_true=None, y_pred=None, value_range=(0, 255),
                              true_color=(0, 188, 212), pred_color=(255, 235, 59), line_thickness=2,
                              font_scale=1.0, text_thickness=None, class_mapping=None, ground_truth_mapping=None,
                              prediction_mapping=None, legend=False, legend_handles=None, rows=None, cols=None,
                              data_format=None, **kwargs):
    """Draw ``y_true`` and ``y_pred`` boxes (``draw_bounding_boxes``) and plot the gallery, as Keras.

    ``legend=True`` adds "Ground Truth" / "Prediction" patches in the two
    colours; other keyword arguments go to ``plot_image_gallery``.
    """
    import_pyplot()
    from matplotlib import patches

    prediction_mapping = prediction_mapping or class_mapping
    ground_truth_mapping = ground_truth_mapping or class_mapping
    data_format = data_format_or_default(data_format)
    check_batch(images)
    plotted = to_numpy(images)
    if data_format == "channels_first":
        plotted = plotted.transpose(0, 2, 3, 1)
    draw = functools.partial(draw_bounding_boxes, bounding_box_format=bounding_box_format,
                             line_thickness=line_thickness, text_thickness=text_thickness, font_scale=font_scale)
    if y_true is not None:
        plotted = draw(plotted, y_true, color=true_color, class_mapping=ground_truth_mapping)
    if y_pred is not None:
        plotted = draw(plotted, y_pred, color=pred_color, class_mapping=prediction_mapping)
    if legend:
        if legend_handles:
            raise ValueError("Only pass `legend` OR `legend_handles` to "
                             "`keras.visualization.plot_bounding_box_gallery()`.")
        legend_handles = [patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
                          patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction")]
    return plot_image_gallery(plotted, value_range=value_range, legend_handles=legend_handles, rows=rows,
                              cols=cols, **kwargs)
