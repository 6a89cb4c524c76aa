/** Label keys Berth reads or writes, in one place (as nerdctl pkg/labels). */
export const Labels = {
  composeProject: 'com.docker.compose.project',
  composeService: 'com.docker.compose.service',
  composeOneoff: 'com.docker.compose.oneoff',
  composeContainerNumber: 'com.docker.compose.container-number',
} as const;
